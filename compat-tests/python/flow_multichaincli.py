"""multichaincli 1.1.0 (PyPI `multichaincli`): a Savoir fork that sends "version":"2.0"."""
import logging

from multichaincli import Multichain
from envelope_flow import run
from harness import Flow

# The library logs every non-200 reply at ERROR level ("Error! Status code: ..."); the
# error cases below are deliberate, so keep that out of the suite's output.
logging.getLogger("multichaincli.client").setLevel(logging.CRITICAL)

flow = Flow("multichaincli")
api = Multichain(flow.user, flow.password, flow.host, flow.port, flow.chain)
run(flow, api)
flow.finish()
