from . import document_page
from . import document_page_create_menu
from . import document_page_history
from . import ir_attachment
from . import ihospital_regulation_campaign
from . import ihospital_regulation_campaign_report
