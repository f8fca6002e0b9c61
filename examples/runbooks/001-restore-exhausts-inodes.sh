#!/bin/bash
# Restore the mailing lists' files from the backup (incident 001: the restore, on top of the mail
# waiting in the queue, exhausted the inodes of the root filesystem; the lists were down 16 h).
#
#   safeop preflight --facts lists-facts.json examples/runbooks/001-restore-exhausts-inodes.sh
#
# The facts come from the list server: `safeop check --format json --all-findings -- tar -xzf
# /backup/mailman-lists.tgz -C /var/lib/mailman` there prints them under `facts` (how many inodes
# the archive creates, how many are free where it lands).
set -euo pipefail

systemctl stop mailman
tar -xzf /backup/mailman-lists.tgz -C /var/lib/mailman
chown -R list:list /var/lib/mailman
systemctl start mailman
