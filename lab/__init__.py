"""Real framework apps and the code that serves them on real servers: the tests' boots and scripts/ share them."""
