"""The 帮扶制度 (policy, 校历 and periods) and the compliance of every student, teacher, class and school."""
