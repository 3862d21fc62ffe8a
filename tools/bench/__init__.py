"""`make bench`: latency, throughput, import rate and footprint against a local Neo4j.

run.py drives one run per scale; imports.py times the three ways of loading records;
queries.py times each analyst query through the API and through the driver alone;
system.py reads peak memory and store size.
"""
