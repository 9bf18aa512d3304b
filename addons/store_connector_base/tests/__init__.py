from . import test_job_labels
from . import test_job_summaries
