#!/usr/bin/python
DOCUMENTATION = r'''
---
module: bad
short_description: Disagrees with its module in every way the test knows
options:
  baseuri:
    description: Address.
    type: int
    required: true
  password:
    description: Password.
    type: str
  state:
    description: State.
    choices: [present, absnt]
    default: present
  subset:
    description: What.
    type: list
    choices: [all, firmware]
    default: [firmware]
  ratio:
    description: Ratio.
    type: float
    default: 1
  force:
    description: Force.
    type: bool
  parts:
    description: Parts.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name.
        type: str
      kind:
        description: Kind.
        type: str
        choices: [firmware, software]
        default: software
  color:
    description: Not an option of the module.
    type: str
'''
