from . import test_booking_route
from . import test_website_pages
