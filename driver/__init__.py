"""The MSL driver and the NetWare server OS model (step 4 of the roadmap).

Empty until then: in step 1 the project has the link PHY only. The driver will talk to
the adapter through an abstract async bus and will not import cocotb.
"""
