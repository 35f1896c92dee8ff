"""Drop one file from an SPP-like folder written by `mkimage -spp`: its fwrepo.json entry, its
manifest/manifest.json entry and the file itself.

    python3 spp_without.py DIR FILE

The rollout tests drop Power_Supply_Firmware-3.11-1.fwpkg: the plan installs it for bays 2 and
3 and holds bay 4's downgrade (238.00 -> 3.11), but the same file flashes every bay, so
install_set refuses to invoke it without allow_downgrade (issue 14). Until firmware_plan holds
such a file, a rollout of that catalog stops there; the tests want one that completes.
"""
import json
import os
import sys

folder, name = sys.argv[1], sys.argv[2]
repo = os.path.join(folder, "fwrepo.json")
entries = json.load(open(repo))
entries.pop(name, None)
json.dump(entries, open(repo, "w"), indent=1)
manifest = os.path.join(folder, "manifest", "manifest.json")
doc = json.load(open(manifest))
# An array of entries, or an object holding it (SPPs ship both shapes).
lists = [doc] if isinstance(doc, list) else [v for v in doc.values() if isinstance(v, list)]
for entries_list in lists:
    # An entry names its file in FileName, package[].Name or its FirmwareImages: any mention.
    entries_list[:] = [e for e in entries_list if json.dumps(name) not in json.dumps(e)]
json.dump(doc, open(manifest, "w"), indent=1)
if os.path.exists(os.path.join(folder, name)):
    os.remove(os.path.join(folder, name))
