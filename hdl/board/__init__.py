"""The adapter on an FPGA board: the link card (adapter, transceiver, reset sequencer)
and a demonstration top for the ECP5 5G Evaluation Board with its small host."""
