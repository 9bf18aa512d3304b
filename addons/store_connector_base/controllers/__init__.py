from . import main
from . import sync_api
