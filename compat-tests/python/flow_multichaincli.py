"""multichaincli 1.1.0 (PyPI `multichaincli`): a Savoir fork that sends "version":"2.0"."""
from multichaincli import Multichain

from envelope_flow import run
from harness import Flow

flow = Flow("multichaincli")
api = Multichain(flow.user, flow.password, flow.host, flow.port, flow.chain)
run(flow, api)
flow.finish()
