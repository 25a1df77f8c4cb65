from liveline.cli import main

main()
