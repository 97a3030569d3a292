"""Savoir 1.0.6 (PyPI `savoir`): the MultiChain-documented Python client."""
import logging

from Savoir import Savoir
from envelope_flow import run
from harness import Flow

# The library logs every non-200 reply at ERROR level ("Error! Status code: ..."); the
# error cases below are deliberate, so keep that out of the suite's output.
logging.getLogger("Savoir").setLevel(logging.CRITICAL)

flow = Flow("savoir")
# Savoir's own signature: (rpcuser, rpcpasswd, rpchost, rpcport as a STRING, chainname).
api = Savoir(flow.user, flow.password, flow.host, str(flow.port), flow.chain)
run(flow, api)
flow.finish()
