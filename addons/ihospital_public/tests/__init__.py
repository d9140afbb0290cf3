from . import test_booking_route
