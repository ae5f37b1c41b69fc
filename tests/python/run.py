"""Runs the Python interface's pytest suite and prints "python: N passed, M failed" (what
tools/count_tests.py counts). argv[1]: the folder of the tests."""
import sys

import pytest


class Count:
    def __init__(self):
        self.passed = self.failed = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.passed:
            self.passed += 1
        elif report.failed:
            self.failed += 1


c = Count()
rc = pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[1]], plugins=[c])
print(f"python: {c.passed} passed, {c.failed} failed")
sys.exit(int(rc))
