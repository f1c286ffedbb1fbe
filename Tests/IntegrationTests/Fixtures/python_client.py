"""A gearman3 (PyPI) client. Usage: python_client.py PORT FUNCTION DATA [background|high|low]
Prints the job's final state and result (raw bytes for foreground jobs)."""
import sys

import gearman3_compat  # noqa: F401
import gearman

port, function, data = sys.argv[1], sys.argv[2], sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else ""
client = gearman.GearmanClient(["127.0.0.1:%s" % port])
priority = {"high": gearman.PRIORITY_HIGH, "low": gearman.PRIORITY_LOW}.get(mode, gearman.PRIORITY_NONE)
request = client.submit_job(function, data, background=(mode == "background"), priority=priority,
                            wait_until_complete=(mode != "background"), poll_timeout=10)
result = request.result if request.result is not None else b""
sys.stdout.write(request.state + "\n")
sys.stdout.flush()
sys.stdout.buffer.write(result if isinstance(result, bytes) else result.encode())
