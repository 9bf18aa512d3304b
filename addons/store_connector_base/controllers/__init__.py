from . import main, sync_api
