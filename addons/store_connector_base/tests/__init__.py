from . import test_job_labels
from . import test_job_summaries
from . import test_dashboard_health
from . import test_tours_merchant
from . import test_plain_wording
from . import test_webhook_topic_labels
from . import test_walkthrough_fixes
from . import test_payouts
