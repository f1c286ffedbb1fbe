"""A gearman3 (PyPI) worker: `reverse` returns the workload reversed. Usage: python_worker.py PORT"""
import sys

import gearman3_compat  # noqa: F401  (must come before gearman is used)
import gearman

worker = gearman.GearmanWorker(["127.0.0.1:%s" % sys.argv[1]])
# gearman3 compares the function names it gets back as bytes.
worker.register_task(b"reverse", lambda worker, job: job.data[::-1])
worker.work()
