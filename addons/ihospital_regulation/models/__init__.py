from . import ihospital_regulation_campaign
from . import ihospital_regulation_campaign_report
