from . import document_page
from . import ir_attachment
