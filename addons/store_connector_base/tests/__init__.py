from . import test_job_labels
