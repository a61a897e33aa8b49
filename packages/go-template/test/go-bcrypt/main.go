// Checks bcrypt hashes made by @courier/go-template's sprig `bcrypt`/`htpasswd` with Go's
// golang.org/x/crypto/bcrypt (the library sprig uses). Reads one JSON request per line,
// {"hash": "...", "password": "..."}, and answers one line: "ok" or the comparison error.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var req struct{ Hash, Password string }
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Println(err)
			continue
		}
		if err := bcrypt.CompareHashAndPassword([]byte(req.Hash), []byte(req.Password)); err != nil {
			fmt.Println(err)
		} else {
			fmt.Println("ok")
		}
	}
}
