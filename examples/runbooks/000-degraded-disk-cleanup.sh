#!/bin/bash
# Clear qmail's queue of undeliverable mail, then take the full backup that had stopped working
# (incident 000: a night of mass moves and deletes, then the full backup, on a cheap consumer
# disk that was already failing; it died two hours later).
#
#   safeop preflight --facts mailhost-facts.json examples/runbooks/000-degraded-disk-cleanup.sh
#
# The facts: `safeop check --format json --all-findings -- rm -rf /var/qmail/queue/bogus` on the
# mail host (the size of the tree, the SMART health of the disk under it).
set -euo pipefail

QUEUE=/var/qmail/queue
for id in $(qmail-qread | awk '/bounce/ {print $3}'); do
  qmail-remove -r "$id"
done
rm -rf "$QUEUE/bogus"
tar -czf /backup/full.tgz /var/qmail /home
