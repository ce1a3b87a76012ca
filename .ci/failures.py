"""Prints each failed or errored test of a JUnit XML report with the last lines of its traceback: the
end of CI's output, so that a failure's cause is what CI shows first."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree

LINES = 30


def main(path: str) -> None:
    tree = ElementTree.parse(path)
    failed = [(case, problem) for case in tree.iter("testcase")
              for problem in case if problem.tag in ("failure", "error")]
    print(f"--- {len(failed)} failed or errored test(s), each with the end of its traceback:")
    for case, problem in failed:
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        print(f"=== {problem.tag}: {name}: {problem.get('message', '')[:300]}")
        print("\n".join((problem.text or "").rstrip().splitlines()[-LINES:]))


if __name__ == "__main__":
    main(sys.argv[1])
