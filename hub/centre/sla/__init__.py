"""SLA (PRO): policies, the clocks' state machine, and the SLA report."""
