#!/usr/bin/python
DOCUMENTATION = r'''
---
module: good
short_description: Matches its module
extends_documentation_fragment:
  - fleetfw.ilo.ilo
  - ansible.builtin.action_common_attributes
options:
  state:
    description: State.
    choices: [absent, present]
    default: present
  subset:
    description: What.
    type: list
    elements: str
    choices: [all, firmware]
    default: [all]
  ratio:
    description: Ratio.
    type: float
    default: 0.5
  force:
    description: Force.
    type: bool
    aliases: [f]
  parts:
    description: Parts.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name.
        type: str
        required: true
      kind:
        description: Kind.
        type: str
        choices: [firmware, software]
        default: firmware
'''

EXAMPLES = r'''
- fleetfw.ilo.good:
'''
