"""The bank's matching engine: exact in-memory indexes over hash vectors, with no Django import.

It can be read, tested and benchmarked alone; hashing/bank/ feeds it from the database."""
