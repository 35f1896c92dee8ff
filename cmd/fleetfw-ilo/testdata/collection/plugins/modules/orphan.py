#!/usr/bin/python
DOCUMENTATION = r'''
---
module: orphan
short_description: A stub without a module
options: {}
'''
