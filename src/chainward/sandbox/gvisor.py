"""placeholder"""
from chainward.sandbox.interface import Backend

class GvisorBackend(Backend):
    name = "gvisor"
    def unavailable_reason(self, caps): return "not yet"
    def view(self, ws): raise NotImplementedError
    def prepare(self, policy, ws, command): raise NotImplementedError
