"""通知公告 and 惠企政策: short articles and policy documents that staff write, attach files to, publish and
retire; the public reads the published ones, and a need's page shows the policies of its category."""
