/// What `tsh` with no arguments prints: the three commands a new user needs.
enum GettingStarted {
    static let text = """
        tsh: the Teleport client for OpenSSH.

        Getting started:
          tsh login --proxy=teleport.example.com --user=alice   log in (password and OTP on the terminal)
          tsh ssh ubuntu@node1                                  run a shell on a node
          tsh scp file.txt ubuntu@node1:/tmp/                   copy files
          tsh config --install                                  make plain ssh, scp and rsync work too
          tsh status                                            show your login

        Run 'tsh --help' for every command, 'tsh help <command>' for one.

        """
}
