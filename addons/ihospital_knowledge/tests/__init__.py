from . import test_demo_knowledge
