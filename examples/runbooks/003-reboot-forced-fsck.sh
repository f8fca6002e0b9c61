#!/bin/sh
# Emergency maintenance on the mail store (incident 003: a "3 minute" reboot ran a forced fsck of
# the whole mail store at boot; mail was down from 20:20 to 02:30).
#
#   safeop preflight --facts store-facts.json examples/runbooks/003-reboot-forced-fsck.sh
#
# The facts: `safeop check --format json -- reboot` on the mail store, its `facts` member (the
# ext4 superblocks of the mounted filesystems: mount count, check interval, state).

systemctl stop postfix dovecot nfs-server
sync
reboot
