#!/usr/bin/env bash
# Builds the .deb, checks its contents and maintainer scripts, extracts it into a temporary
# root, and runs the *installed* binary's check-config on the *installed* config (with its
# absolute paths re-rooted into the temporary root). Also verifies the installed unit.
set -euo pipefail
build=${1:?build dir}
src=${2:?source dir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# cpack from a copy of the build's config, so parallel tests do not race on _CPack_Packages.
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/pkg/cutover-guard_*.deb)
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/cutover-guard ./usr/lib/cutover-guard/libcutover-guard-tls.so \
         ./lib/systemd/system/cutover-guard.service \
         ./etc/cutover-guard/config.yaml ./usr/share/man/man8/cutover-guard.8.gz \
         ./usr/share/cutover-guard/prometheus/cutover-guard-rules.yaml \
         ./usr/share/cutover-guard/grafana/cutover-guard-dashboard.json \
         ./usr/share/doc/cutover-guard/README.md \
         ./usr/share/bash-completion/completions/cutover-guard \
         ./etc/cutover-guard/rules.d/ \
         ./usr/share/cutover-guard/examples/systemd/10-wso2-under-home.conf \
         ./usr/share/cutover-guard/examples/systemd/20-wso2-log-group.conf \
         ./usr/share/cutover-guard/examples/systemd/30-process-fds.conf; do
  grep -qxF "$f" <<<"$contents" || fail "package lacks $f"
done
pack_rules=0
if [ -d "$src/rules/wso2-apim" ]; then
  pack_rules=$(find "$src/rules/wso2-apim" -name '*.yaml' | wc -l)
fi
deb_rules=$(grep -c '^./usr/share/cutover-guard/rules/wso2-apim/.*\.yaml$' <<<"$contents" || true)
[ "$pack_rules" = "$deb_rules" ] || fail "rule pack: $pack_rules files in the tree, $deb_rules in the package"
echo "rule pack files: $deb_rules"

dpkg-deb -e "$deb" "$work/control"
grep -qxF /etc/cutover-guard/config.yaml "$work/control/conffiles" || fail "config.yaml is not a conffile"
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst does not create the system user"
grep -q '/var/lib/cutover-guard' "$work/control/postinst" || fail "postinst does not create the state dir"
sh -n "$work/control/postinst" && sh -n "$work/control/prerm" && sh -n "$work/control/postrm"
grep -q '^Depends:.*adduser' "$work/control/control" || fail "no Depends on adduser"

root="$work/root"
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/cutover-guard" version | grep -q '^cutover-guard ' || fail "installed binary does not run"
bash -n "$root/usr/share/bash-completion/completions/cutover-guard" || fail "bash completion syntax"
# The daemon maps no TLS, HTTP-client or systemd library until a config needs TLS; the module
# it then loads is found next to it in the installed layout.
if ldd "$root/usr/bin/cutover-guard" | grep -Eq 'libssl|libcrypto|libcpp-httplib|libsystemd'; then
  fail "the daemon links a library it loads only on demand: $(ldd "$root/usr/bin/cutover-guard")"
fi
ldd "$root/usr/lib/cutover-guard/libcutover-guard-tls.so" | grep -q libssl || fail "TLS module without libssl"
sed -e "s#/usr/share/cutover-guard#$root/usr/share/cutover-guard#g" \
    -e "s#/etc/cutover-guard#$root/etc/cutover-guard#g" \
    "$root/etc/cutover-guard/config.yaml" > "$work/config.yaml"
# --no-host-checks: this machine has no WSO2 install, token or state directory (postinst makes
# the last two); the host checks have their own tests.
out=$("$root/usr/bin/cutover-guard" check-config --no-host-checks --config "$work/config.yaml" \
      2>"$work/check.err") \
  || { cat "$work/check.err"; fail "installed check-config rejected the installed config"; }
echo "$out"
grep -q "OK (1 target(s), 3 log(s), $deb_rules rule file(s)" <<<"$out" || fail "unexpected check-config summary: $out"

# The installed unit: syntax and commands (ExecStart re-rooted so the binary exists).
sed "s#/usr/bin/cutover-guard#$root/usr/bin/cutover-guard#g" \
  "$root/lib/systemd/system/cutover-guard.service" > "$work/cutover-guard.service"
systemd-analyze verify --man=no "$work/cutover-guard.service" || fail "systemd-analyze verify"
# Each permission drop-in, appended to the unit (a later [Service] section adds to the first,
# as a drop-in does), still verifies.
for dropin in "$root"/usr/share/cutover-guard/examples/systemd/*.conf; do
  mkdir -p "$work/dropin"
  cat "$work/cutover-guard.service" "$dropin" > "$work/dropin/cutover-guard.service"
  systemd-analyze verify --man=no "$work/dropin/cutover-guard.service" || fail "drop-in $(basename "$dropin")"
  rm -rf "$work/dropin"
done
exposure=$(systemd-analyze security --offline=true "$work/cutover-guard.service" 2>&1 | \
           sed -n 's/.*Overall exposure level for cutover-guard.service: \([0-9.]*\).*/\1/p')
echo "systemd exposure: $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' || fail "exposure $exposure > 2.0"
echo "package test passed"
