#!/usr/bin/env bash
# Restart replica K of the cluster that deploy/local_cluster.sh runs on port P (default 8080), while it runs:
#
#   deploy/restart_replica.sh K [--port P]
#
# The same as `deploy/local_cluster.sh restart K [--port P]`: it asks the running cluster (SIGUSR1) to stop
# replica K (SIGTERM, then SIGKILL after 10 s), start it again on the same port and core, and wait for its
# health check; it returns when that is done. The browsers on replica K reconnect and fail over to another
# replica meanwhile, and stay there (see deploy/README.md).
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
CE_PROG=deploy/restart_replica.sh exec "$SCRIPT_DIR/local_cluster.sh" restart "$@"
