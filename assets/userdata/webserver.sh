# seclab web server boot script (Amazon Linux 2023).
# The CDK app prepends "#!/bin/bash" and the SECLAB_* variables, and puts the
# site's files where the "seclab:site-files" line stands. cloud-init runs it
# once, as root, and its output is in /var/log/cloud-init-output.log.
set -euo pipefail

# 1. Swap before anything else: at 0.5 GiB (t4g.nano) Amazon Linux 2023 has no
#    swap, and dnf or the SSM agent get killed for memory.
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
if [ "$mem_kib" -lt 2097152 ] && ! swapon --show=NAME --noheadings | grep -qx /swapfile; then
  dd if=/dev/zero of=/swapfile bs=1M count=1024 status=none
  chmod 600 /swapfile
  mkswap /swapfile
  swapon /swapfile
  echo '/swapfile none swap sw 0 0' >> /etc/fstab
fi

# 2. Facts the pages show, read once from the instance metadata (IMDSv2).
imds=http://169.254.169.254/latest
token=$(curl -fsS -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
metadata() { curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/$1"; }
install -d -m 0755 /etc/seclab
metadata instance-id > /etc/seclab/instance-id
metadata placement/availability-zone > /etc/seclab/availability-zone
printf '%s\n' "$SECLAB_GROUP" > /etc/seclab/group
printf '%s\n' "$SECLAB_PARTICIPANT" > /etc/seclab/participant

# 3. Apache, PHP and rsyslog. Amazon Linux 2023 logs only to the journal;
#    rsyslog writes the authpriv facility (sshd, sudo, su, PAM sessions) to
#    /var/log/secure, which the CloudWatch agent ships as ssh-logs. dnf logs
#    every package it installs to /var/log/dnf.rpm.log (package-manager-logs).
#    The repositories can be briefly unreachable while the network comes up,
#    so try a few times.
for attempt in 1 2 3 4 5; do
  if dnf install -y --setopt=install_weak_deps=False httpd php-fpm php-cli rsyslog; then
    break
  fi
  [ "$attempt" = 5 ] && exit 1
  sleep $((attempt * 10))
done

cat > /etc/httpd/conf.d/seclab.conf <<'SECLAB_CONF'
# seclab: say little about the server, answer only what the lab needs.
ServerTokens Prod
ServerSignature Off
TraceEnable Off
<Files "lib.php">
  Require all denied
</Files>
SECLAB_CONF

# 4. The site.
install -d -m 0755 /var/www/html
# seclab:site-files
chown -R root:root /var/www/html
chmod -R u=rwX,go=rX /var/www/html

systemctl enable --now rsyslog php-fpm httpd
echo "seclab: web server ready"
