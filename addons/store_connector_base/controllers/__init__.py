from . import main, oauth, sync_api
