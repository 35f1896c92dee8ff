#!/usr/bin/python
DOCUMENTATION = r'''
---
module: othername
short_description: module key differs from the file name
'''
