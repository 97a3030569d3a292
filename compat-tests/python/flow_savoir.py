"""Savoir 1.0.6 (PyPI `savoir`): the MultiChain-documented Python client."""
from Savoir import Savoir

from envelope_flow import run
from harness import Flow

flow = Flow("savoir")
# Savoir's own signature: (rpcuser, rpcpasswd, rpchost, rpcport as a STRING, chainname).
api = Savoir(flow.user, flow.password, flow.host, str(flow.port), flow.chain)
run(flow, api)
flow.finish()
