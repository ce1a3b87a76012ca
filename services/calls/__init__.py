"""The calls service: IVR flows compiled to Retell agents, caller IDs, calls and their events,
key presses, analyses, the do-not-call list and the callee's protections."""
