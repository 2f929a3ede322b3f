"""The checker: a warm torch worker (worker.py, the only module importing torch) and the
client the app uses (client.py)."""
