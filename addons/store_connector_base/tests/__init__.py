from . import test_dashboard_health
