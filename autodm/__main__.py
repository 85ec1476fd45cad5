from autodm._entry import main

main()
