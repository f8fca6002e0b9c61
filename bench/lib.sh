# Sourced by the bench scripts. `release_bin` builds the release binary and prints its path:
# safeop is built for an explicit target (.cargo/config.toml), so it lives under
# target/<host tuple>/release/, and cargo is the one that knows where.
release_bin() {
    cargo build --release --quiet --message-format=json-render-diagnostics |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "safeop" and m.get("executable"):
        print(m["executable"])'
}
