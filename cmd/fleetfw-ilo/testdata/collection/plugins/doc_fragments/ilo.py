# Test fragment for docs_test.go: the shape of the collection's real one.
class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  baseuri:
    description: Address of the iLO.
    type: str
    required: true
  password:
    description:
      - Password. Never logged (C(no_log)).
      - If not set, the value of the C(T_PASSWORD) environment variable is used.
    type: str
  timeout:
    description: Seconds.
    type: int
    default: 30
'''
