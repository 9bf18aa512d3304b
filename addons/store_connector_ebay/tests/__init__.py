from . import test_ebay_skeleton
from . import test_ebay_listings
from . import test_ebay_listings_attack
