from . import document_page
from . import document_page_history
