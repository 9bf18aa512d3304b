from . import controllers, models, services


def post_load():
    """Once per server process: the connector's routes answer 503 while the database is down,
    and a threaded server's cron threads start again after a database restart
    (services/database_outage.py)."""
    services.database_outage.install()
