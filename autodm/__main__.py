from autodm.cli import main

main()
