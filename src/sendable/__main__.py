from sendable.cli import main

main()
