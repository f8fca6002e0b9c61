#!/bin/bash
# Build web2, a second web server, from a template image (incident 002: one character wrong in
# the `of=` of the dd below overwrote the disk image of the RUNNING Xen guest web1, in
# production, and nobody noticed for two hours).
#
#   safeop preflight --facts xen1-facts.json examples/runbooks/002-xen-guest-disk.sh
#
# With the facts of the Xen host (`safeop facts --json /srv/xen/web1.img` there), safeop sees
# that /srv/xen/web1.img is in use (the running guest's disk, loop-attached) and denies the step.
set -euo pipefail

xl list
cp /etc/xen/web1.cfg /etc/xen/web2.cfg
sed -i 's/web1/web2/g' /etc/xen/web2.cfg

# The copy for the new guest. The typo: `web1`, not `web2`.
dd if=/srv/xen/template.img of=/srv/xen/web1.img bs=4M conv=fsync

xl create /etc/xen/web2.cfg
