// STUB: replaced by the fuzz work.
print("LiaisonFuzz")
