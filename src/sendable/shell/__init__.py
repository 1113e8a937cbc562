"""The imperative shell: the rooms every front end calls, by subject.

Each room reads and writes through the unit of work (store/unit.py) and the
store's queries, and asks the pure core (gate, enforcement ladder and
reputation, text layer) what to decide. `sendable.service.Service` gathers the
rooms behind one object for the front ends.
"""
